"""What an operation may cost: size and shape limits, query cost, the rate limit."""
