"""Receiving: goods of an expected receipt (a draft stock document) counted by scanning, put away into
bins, and posted with what was counted; supplier files turned into such drafts."""
