"""Sales channels: where orders come from and where catalog, prices and stock go (sites, CMS webhooks,
1C, YML feeds, marketplaces, the REST API and phone orders)."""
