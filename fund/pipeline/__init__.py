"""The pipeline: the ranked list of the concept notes the committee approved into the
pipeline and of the approved programmes awaiting funding (`queries`), the committee's new
order and the public flag (`operations`), the balance view for selection (`balance`), their
pages (`views`) and `flask fund pipeline` (`cli`). The booklet (PDF) is
`fund.reports.pipeline_pdf`."""
