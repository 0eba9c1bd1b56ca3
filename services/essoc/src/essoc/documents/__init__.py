"""The documents of OGDE's « Documents » menu (manual §6): a user guide and blank request forms, each a PDF
the service draws itself. Their words are ours, written from the manual; nothing is copied from DGDDI's."""
