"""A user's own data: reading, inferring and validating a file, mapping its target."""
