"""The agent console: human agents log in, take hand-off tickets, reply to residents and close tickets."""
