"""The portal: DOMINO-NG and OGDE in the browser (a backend-for-frontend on the services\x27 HTTP APIs)."""
