"""A delivery zone: a GeoJSON Polygon/MultiPolygon ([lon, lat]) with what delivery there costs and when
it runs. Money in kopecks. `days` are ISO weekdays (1 = Monday … 7 = Sunday); `slots` are local
times of the shop ["10:00", "14:00"]; `default_couriers` are usernames. A zone without a warehouse
serves orders of any warehouse. Where zones overlap, the higher `priority` wins, then the smaller one.
Booking limits (zones/limits.py): `cutoff_minutes` (a slot is no longer offered that many minutes before it
starts), `cutoff_time` ("14:00", local: from then on the day's own slots are no longer offered; "" none) and
`slot_capacity` (at most that many orders per slot; None: no limit).
"""

from piccolo.columns import JSON, BigInt, Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.domain.stock.tables import Warehouse


class DeliveryZone(Table):
    name = Varchar(length=200, unique=True)
    color = Varchar(length=16, default="#3388ff")
    geometry = JSON(default={})
    delivery_price = BigInt(default=0)
    min_order = BigInt(default=0)
    days = JSON(default=[1, 2, 3, 4, 5, 6, 7])
    slots = JSON(default=[])
    default_couriers = JSON(default=[])
    priority = Integer(default=0)
    active = Boolean(default=True)
    cutoff_minutes = Integer(null=True, default=None)
    cutoff_time = Varchar(length=5, default="")
    slot_capacity = Integer(null=True, default=None)
    warehouse = ForeignKey(Warehouse, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
