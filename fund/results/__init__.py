"""Results: the fund's results framework and the MGI reference the secretariat keeps (their
pages), results coverage by objective, thematic area, region and organization, with its flags,
and `flask fund results`."""
