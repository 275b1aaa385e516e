"""Customers and their contact persons.

A customer card is found again by any of its keys: e-mail (lower case), phone (+7XXXXXXXXXX or
+<digits>) or INN. Among the cards that are not merged into another one (merged_at IS NULL) each key
is unique (partial unique indexes in the migration); a merged card keeps its keys and points at the
card it joined.
"""

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Customer(Table):
    name = Varchar(length=300, default="")
    email = Varchar(length=254, default="", index=True)  # normalised: trimmed, lower case; "" = none
    phone = Varchar(length=16, default="", index=True)  # normalised: +7XXXXXXXXXX (or +<digits>); "" = none
    inn = Varchar(length=12, default="", index=True)  # 10 or 12 digits, check digits verified; "" = none
    company = Varchar(length=300, default="")
    search_text = Varchar(length=1200, default="")  # casefolded name, company, e-mail, phone, INN
    created_at = Timestamptz(default=TimestamptzNow())
    merged_into = ForeignKey("self", null=True, default=None, on_delete=OnDelete.restrict)
    merged_at = Timestamptz(null=True, default=None)  # set with merged_into; the unique indexes skip merged cards


class ContactPerson(Table):
    """Another person who ordered for the same customer (a colleague at the same company, a relative)."""

    customer = ForeignKey(Customer, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=300)
    email = Varchar(length=254, default="")
    phone = Varchar(length=16, default="")
    created_at = Timestamptz(default=TimestamptzNow())
