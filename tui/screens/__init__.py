"""Full screens and modal prompts."""
