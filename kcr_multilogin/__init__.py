"""kcr-multilogin: log every installed container tool into the Katapult Container Registry in one command."""

__version__ = "0.1.0"
