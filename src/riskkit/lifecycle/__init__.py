"""The lifecycle: month-by-month simulation, its analysis and the persona storylines."""
