"""Coverage of the 23 GCM objectives, thematic areas, regions and markers by the fund's money."""
