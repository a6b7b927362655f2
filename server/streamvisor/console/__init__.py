"""The web console: static pages, and a Connect-protocol bridge to the server's own gRPC port.

See console/bridge.py for why the browser's calls go through the gRPC server (one place decides
authentication, roles, validation and errors), and static/ for the pages (plain ES modules, no build).
"""
