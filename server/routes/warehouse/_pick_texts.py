"""The sentences the pick screen's script (pwa/warehouse/static/pick.js) says by itself — verifying a scan
offline against the cached list, the queue, the conflicts — in the user's language. The page hands them
to the script as JSON; `%(name)s` placeholders are filled in by the script. The verdicts reuse the
msgids of server/domain/picking/scanning.py, so a scan checked on the device reads like the server's."""

from __future__ import annotations

from server.web.i18n import gettext as _


def pick_texts() -> dict[str, str]:
    return {
        # verdicts, as the server words them (server/domain/picking/scanning.py, marking/gs1.py)
        "ok": _("%(name)s: %(picked)s of %(qty)s"),
        "bin": _("Bin %(bin)s: %(count)s lines to pick here"),
        "needs_serial": _("%(name)s: scan or type the serial number of the unit"),
        "list_closed": _("Pick list %(number)s is closed: nothing more is picked on it"),
        "other_variant": _("This is %(got)s, another variant: the list needs %(want)s"),
        "order_cancelled": _("Order %(number)s was cancelled: do not pick %(name)s, put it back"),
        "order_packed": _("Order %(number)s is already packed: %(name)s is not needed"),
        "marking_needed": _("%(name)s is marked: scan the DataMatrix code (Честный ЗНАК) of the unit"),
        "marking_incomplete": _("The marking code was cut short (%(serial)s): the receipt needs the whole code. "
                                "Scan it again, or set the scanner to send the group separator (GS)"),
        "marking_gtin": _("The GTIN %(gtin)s of this marking code belongs to no goods of this pick list"),
        "wrong_bin_first": _("Scan the bin first: %(name)s is taken from %(bin)s"),
        "wrong_bin": _("%(name)s is taken from bin %(bin)s, not from %(scanned)s"),
        "over_all": _("All %(qty)s of %(name)s are already picked: this one is extra"),
        "over_package": _("A package of %(units)s is more than the %(left)s units of %(name)s still to pick"),
        "empty_marking": _("The marking code is empty"),
        "not_marking": _("%(code)s is not a marking code (Честный ЗНАК): it must start with 01, the GTIN and 21"),
        "gtin_check": _("Marking code %(code)s: the GTIN %(gtin)s has a wrong check digit"),
        "unreadable": _("Marking code %(code)s cannot be read: the serial number and the verification part are "
                        "not where they should be"),
        "serial_chars": _("Marking code %(code)s: the serial number has characters a marking code cannot hold"),
        # said only on the device
        "not_on_list": _("Code %(code)s is not in this pick list"),
        "marking_reused": _("This marking code was already scanned on this pick list: every unit has its own code"),
        "serial_reused": _("Serial number %(serial)s of %(name)s was already scanned on this pick list"),
        "queued": _("%(message)s — kept on the device, it will be sent when the connection returns"),
        "pending_count": _("Waiting to be sent: %(count)s"),
        "line_pending": _("waiting to sync: +%(count)s"),
        "scan_bin": _("Scan bin %(bin)s"),
        "no_bin": _("no bin"),
        "at_bin": _("Bin %(bin)s"),
        "progress": _("Picked %(picked)s of %(units)s"),
        "conflict": _("%(code)s: %(message)s"),
        "send_failed": _("The server did not accept the scan: %(message)s"),
        "signed_out": _("The session has ended: sign in again. The scans are kept on the device."),
        "forbidden": _("The server refused the scans: reload the page. They are kept on the device."),
        "offline_complete": _("No connection: the pick list is completed when the connection returns"),
        "complete_wait": _("Sending the scans kept on the device first…"),
        "serial_for": _("Serial number of %(name)s"),
        "order_picking": _("Being picked"),
        "order_packed_label": _("Order packed"),
        "order_cancelled_label": _("Order cancelled"),
        "cancelled_return": _("Cancelled — put the goods back"),
        "cancelled_skip": _("Cancelled — do not pick"),
        "short": _("Missing: %(count)s"),
        "camera_unavailable": _("The camera cannot be opened on this device"),
    }
