"""Synthetic worlds: the borrower population, its ground truth and its lifecycle."""
