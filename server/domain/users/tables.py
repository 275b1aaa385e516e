from piccolo.columns import JSON, Boolean, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ROLES = ("owner", "manager", "picker", "courier", "cashier")


class User(Table, tablename="app_user"):
    username = Varchar(length=64, unique=True, index=True)
    full_name = Varchar(length=200, default="")
    password_hash = Varchar(length=255)
    roles = JSON(default=[])  # list of ROLES
    active = Boolean(default=True)
    locale = Varchar(length=8, default="ru")
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class ApiToken(Table):
    name = Varchar(length=100)
    prefix = Varchar(length=12, index=True)  # first characters, shown in lists
    token_hash = Varchar(length=128, unique=True)  # sha256 hex of the whole token
    roles = JSON(default=[])
    created_by = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)
