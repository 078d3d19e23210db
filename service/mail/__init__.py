"""Mail: the transactional outbox, the SMTP delivery loop and the texts of the mails."""
