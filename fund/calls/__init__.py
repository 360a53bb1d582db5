"""Calls for proposals: the window, the envelope, the limits and the committee's decision rule."""
