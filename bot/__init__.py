"""Channels, hand-off queue and storage: everything between the policy assistant and the outside world."""
