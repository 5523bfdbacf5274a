"""Pure functions, no network, no database: page -> Document, text -> mentions."""

EXTRACTOR_VERSION = "extract-1"
