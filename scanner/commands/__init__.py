"""CLI command modules; each defines a click command or group named ``command``."""
