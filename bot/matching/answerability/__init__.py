"""Whether an entry's answer answers what is asked, beyond how alike the texts are."""
