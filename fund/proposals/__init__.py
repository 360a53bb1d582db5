"""Proposals (joint programmes): intake, workflow and the proposal pages."""
