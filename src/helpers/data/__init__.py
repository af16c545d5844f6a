"""Acquiring, reading and checking the raw and curated inputs."""
