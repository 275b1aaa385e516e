"""Exchange with outside systems (1C, shop sites): external id mapping and the catalog import."""
