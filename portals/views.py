"""The organizer's pages for portal groups and portals."""
