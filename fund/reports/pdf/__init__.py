"""What every PDF of the fund is made with: `styles` (the font, paragraph styles, colours, the
page and its header and footer), `tables` (tables that fit the page), `charts` (drawings) and
`document` (the names a document carries, the fund's and its decision body's, and its
rendering on the fund's pages)."""
