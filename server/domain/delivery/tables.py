"""Delivery tables.

A courier is a user with the courier role and a vehicle (capacity in grams and cm³) on a shift of local
times at one warehouse. Each day's plan for a warehouse is a set of routes (one per courier used), each a
sequence of stops (one per order). A route goes draft → published (the courier sees it) → started (the
courier left; orders are out for delivery) → finished. A plan run records each optimisation: who, when,
what the solver said and which orders it could not place and why. Every courier action on a stop carries
the device's UUID (StopAction, unique): a replayed offline queue finds the first outcome.
"""

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.domain.orders.tables import Order
from server.domain.stock.tables import Warehouse
from server.domain.users.tables import User

ROUTE_STATUSES = ("draft", "published", "started", "finished")
STOP_STATUSES = ("planned", "on_the_way", "arrived", "delivered", "failed", "partial")
DONE_STOP_STATUSES = ("delivered", "failed", "partial")
FAIL_REASONS = ("not_home", "refused", "wrong_address", "no_access", "damaged", "other")


class Courier(Table):
    user = ForeignKey(User, on_delete=OnDelete.restrict, unique=True)
    name = Varchar(length=200, default="")
    phone = Varchar(length=16, default="")
    vehicle = Varchar(length=100, default="")  # "Lada Largus", "bicycle" …
    capacity_weight_g = Integer(default=0)
    capacity_volume_cm3 = BigInt(default=0)
    shift_start = Varchar(length=5, default="09:00")  # local time of the shop
    shift_end = Varchar(length=5, default="21:00")
    warehouse = ForeignKey(Warehouse, on_delete=OnDelete.restrict, index=True)
    active = Boolean(default=True)
    work_days = JSON(default=[1, 2, 3, 4, 5, 6, 7])  # ISO weekdays the courier works (1 = Monday)


class DeliveryRoute(Table):
    day = Date(index=True)
    warehouse = ForeignKey(Warehouse, on_delete=OnDelete.restrict, index=True)
    courier = ForeignKey(Courier, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=16, default="draft", index=True)  # ROUTE_STATUSES
    sheet_token = Varchar(length=64, unique=True)  # the QR on the route sheet (random)
    distance_m = Integer(default=0)
    duration_s = Integer(default=0)
    planned_start = Timestamptz(null=True, default=None)
    planned_end = Timestamptz(null=True, default=None)
    published_at = Timestamptz(null=True, default=None)
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    version = Integer(default=1)  # raised on every change of the route or its stops
    created_at = Timestamptz(default=TimestamptzNow())


class RouteStop(Table):
    route = ForeignKey(DeliveryRoute, on_delete=OnDelete.cascade, index=True)
    order = ForeignKey(Order, on_delete=OnDelete.restrict, index=True)
    seq = Integer(default=0)  # 1, 2, … visiting order
    eta = Timestamptz(null=True, default=None)  # expected arrival (UTC): re-computed from the road (eta.py)
    eta_departure = Timestamptz(null=True, default=None)
    planned_eta = Timestamptz(null=True, default=None)  # the arrival the plan gave (kept as it was)
    late_by_s = Integer(default=0)  # how far the expected arrival is after the window's end (0: on time)
    status = Varchar(length=16, default="planned")  # STOP_STATUSES
    locked = Boolean(default=False)  # kept in place (and on this courier) by a re-plan
    pinned = Boolean(default=False)  # the manager moved it to this route's courier: re-plans keep the courier
    fail_reason = Varchar(length=32, default="")  # FAIL_REASONS
    comment = Text(default="")
    done_at = Timestamptz(null=True, default=None)


class PlanRun(Table):
    day = Date(index=True)
    warehouse = ForeignKey(Warehouse, on_delete=OnDelete.restrict)
    at = Timestamptz(default=TimestamptzNow())
    actor = Varchar(length=64, default="")
    status = Varchar(length=16, default="solved")  # solved | time_limit | no_solution | failed
    timed_out = Boolean(default=False)
    message = Text(default="")
    vehicles_used = Integer(default=0)
    distance_m = Integer(default=0)
    wall_s = DoublePrecision(default=0.0)
    orders = Integer(default=0)  # orders considered
    unassigned = JSON(default=[])  # [{order_id, number, reason, detail}]
    warnings = JSON(default=[])  # [{kind, msgid, params, order_ids}]: zones' days and default couriers


class PlanDay(Table):
    """One row per (day, warehouse): the planning lock. A plan run raises `version` conditionally, so two
    runs at once cannot both write routes."""

    day = Date()
    warehouse = ForeignKey(Warehouse, on_delete=OnDelete.restrict)
    version = Integer(default=0)
    updated_at = Timestamptz(default=TimestamptzNow())


class CourierPosition(Table):
    courier = ForeignKey(Courier, on_delete=OnDelete.cascade, index=True)
    lat = DoublePrecision()
    lon = DoublePrecision()
    accuracy_m = DoublePrecision(null=True, default=None)
    at = Timestamptz(default=TimestamptzNow(), index=True)


class StopAction(Table):
    """A courier's action on a stop, by the device's UUID: a replay returns `result`, changes nothing."""

    client_uuid = Varchar(length=64, unique=True)
    stop = ForeignKey(RouteStop, on_delete=OnDelete.cascade, index=True)
    action = Varchar(length=16)
    actor = Varchar(length=64, default="")
    result = JSON(default={})
    at = Timestamptz(default=TimestamptzNow())
