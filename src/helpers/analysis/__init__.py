"""Models, inference and the claims check."""
