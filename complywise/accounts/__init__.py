"""Web-login security: password + second factor (TOTP, recovery codes), lockout, password reset."""
