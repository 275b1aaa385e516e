"""Delivery: couriers, the day's routes and their stops, planning runs, courier positions; the courier's
day (start a route, mark stops) and the ETA message to the next customer."""
