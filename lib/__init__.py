"""Pure helpers with no models: environment parsing, ID numbers, masking, working days, form handling."""
