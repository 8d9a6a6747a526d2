"""Housing exchange: safe homes in other municipalities for survivors of domestic violence."""

__version__ = "0.1.0"
