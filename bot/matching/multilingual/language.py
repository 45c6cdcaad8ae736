"""Whether a post is written in English: the sentence encoder reads English only.

By its function words, as a person skimming it would: the little words every sentence needs
(the, is, how / que, para, del / und, ist, warum ...) say which language it is, whatever the
jargon ("ML engineer", "salary") it borrows. Only where no function word of any language is
found do accented letters say it is not ("Mitkä tekijät..."). Letters of another script than
Latin are never English.
"""

from __future__ import annotations

import re

from bot.knowledge.text import latin_script

_WORD = re.compile(r"[^\W\d_]+")

ENGLISH = frozenset(
    "the a an is are was were be been am do does did doing i you we they he she it my your our "
    "their its me us them what whats how why when where which who whom to of in for on with at "
    "from by as and or but not no nor so if than then that this these those there here can "
    "could should would will shall may might must much more most many any some all about "
    "just only also still even really very too get gets got make makes making pay paid worth "
    "need needs like im dont doesnt isnt arent cant wont hows u ur pls plz ppl lol tbh "
    "ngl idk rn vs".split()
)
# Common function words of the languages members write in, none of them an English word
# (nor one a chat in English uses: "per", "come", "non", "con", "pro" are left out).
FOREIGN = frozenset(
    # Spanish, Portuguese
    "el la los las una unos unas que qué por para como cómo pero más está están es del al "
    "se su sus hay muy también porque cuál cuáles cuánto cuánta dónde ser tengo puedo "
    "os uma não é são com mais mas da dos das na em eu você vocês isso esse essa muito "
    "qual quais quanto onde tem pra de "
    # French
    "le les des du est sont qui pour avec dans pas plus ce cette ces je vous nous il ils "
    "elle sur au aux quel quelle quels quelles comment pourquoi combien être faut très où "
    # German, Dutch
    "der die das und ist sind nicht ein eine einen einem ich wir sie für auf von zu den dem "
    "wie warum welche welcher welchen werden wird wieviel viel auch oder aber bei kann sollte noch "
    "nur eigentlich mit als "
    "het een van voor niet wat hoe waarom welke ook maar zijn bij ik jij "
    # Italian
    "il lo gli della delle dei degli che è sono perché quanti quali anche più molto uno "
    "nel nella cosa ci di "
    # Indonesian, Malay, Tagalog
    "yang dan ke dari untuk dengan apa apakah bagaimana mengapa kenapa berapa ini itu "
    "tidak nggak gak saya aku kamu bisa ada juga sudah akan atau seorang buat aja sih kapan "
    "ang ng mga sa ako ko po ba ano bakit paano magkano saan kung hindi natin namin "
    # Turkish, Polish, Czech
    "bir ve bu için ile mı mu mü ne neden nasıl hangi kadar çok daha gibi olarak yok ben "  # noqa: RUF001
    "jest są nie się czy jak dlaczego ile który która które że tak bardzo ale też "
    "jsou proč kolik který nebo také "
    # Vietnamese, Romanian, Scandinavian, Finnish, Swahili
    "của không là có được và các những cho với người này tại sao bao nhiêu làm thế nào "
    "și este sunt pentru cu cum cât care nu mai "
    "och är att det som på för med inte jag vad hur varför vilka og er ikke hvad hvordan "
    "ja ei mitä miksi miten kuinka paljon ovat "
    "ya wa za kwa ni habari "
    # Hindi and Urdu in Latin letters
    "hai hain ka ki ke kya kyun kyu kaise kitna kitni mein aur nahi bhi yeh ye woh kar "
    "karna hota milta batao bhai yaar".split()
)


def reads_as_english(text: str) -> bool:
    """Is `text` English (or too short to tell: "entry lvl mle salary?")?"""
    if not latin_script(text):
        return False
    words = [word.lower() for word in _WORD.findall(text)]
    english = sum(word in ENGLISH for word in words)
    foreign = sum(word in FOREIGN for word in words)
    if english or foreign:
        return english >= foreign
    return all(letter.isascii() for word in words for letter in word)
