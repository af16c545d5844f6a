"""Building the ICB x year and trust panels from the inputs."""
