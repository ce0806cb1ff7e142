"""Linux host provider: reads configuration files under a root directory (``client``) and checks them (``checks``)."""
