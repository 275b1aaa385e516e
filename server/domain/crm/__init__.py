"""Customers: one card per person or company, de-duplicated by e-mail, INN or phone; contact persons."""
