"""Geography shipped with the package: municipalities and localities (see ATTRIBUTION.md)."""
