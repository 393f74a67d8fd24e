from django.core.mail import EmailMessage, EmailMultiAlternatives


def html_of(message: EmailMessage) -> str:
    """The HTML part of one of our emails: every one is a text/HTML pair."""
    assert isinstance(message, EmailMultiAlternatives), "the email has no HTML part"
    return str(message.alternatives[0][0])
