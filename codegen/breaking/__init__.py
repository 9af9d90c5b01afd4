"""``jobctl breaking``: what a change of jobs.yaml breaks, for queued jobs and rolling deploys."""
