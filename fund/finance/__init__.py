"""The fund's money: contributions, pools, allocations and disbursements."""
