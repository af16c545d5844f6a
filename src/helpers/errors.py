"""Exceptions the project raises for bad input, each naming the file, row or column at fault."""

from __future__ import annotations


class DataError(ValueError):
    """A raw or processed file is not what the code expects (missing column, bad value, ...)."""


class ConfigError(ValueError):
    """A params.yaml value is invalid."""


class AcquisitionError(RuntimeError):
    """A raw input could not be found or failed its checksum."""


class PipelineError(RuntimeError):
    """A pipeline stage (notebook) failed."""
