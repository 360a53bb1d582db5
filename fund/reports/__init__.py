"""Reports for donors, the committee and the public: PDF, spreadsheets and open data."""
