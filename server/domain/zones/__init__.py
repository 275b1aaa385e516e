"""Delivery zones: polygons with a delivery price, a minimum order, days, time slots and default
couriers; the zone of an order's address point, kept on the order; GeoJSON import and export."""
