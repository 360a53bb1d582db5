"""What every PDF of the fund is made with: `styles` (the font, paragraph styles, colours, the
page and its header and footer), `tables` (tables that fit the page) and `charts` (drawings)."""
