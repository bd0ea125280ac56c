"""paperterm's Textual app: widgets and screens only; everything else is the core's."""
