"""Tables, figures, numbers for the text, the render and the system profiles."""
