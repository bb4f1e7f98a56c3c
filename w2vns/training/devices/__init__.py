"""The devices training runs on."""
