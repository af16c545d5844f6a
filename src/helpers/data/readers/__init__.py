"""One reader per raw source (named by its MANIFEST dataset id): path in, tidy DataFrame out."""
