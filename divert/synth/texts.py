"""Synthetic narrative text (the child's view, goals, notes), stored encrypted.

Narratives go into `EncryptedTextField` columns. The bulk loader writes column values
directly, so it must write the ciphertext itself. At demo scale every text is composed and
encrypted on its own; at national scale a small pool of texts per kind is encrypted once
and reused, which keeps a load of millions of rows fast.
"""

from __future__ import annotations

import random

from divert.core.crypto import encrypt_text

REASON_CONTEXT = (
    "The officer notes the child was with a group of older young people at the time.",
    "A parent was present when the outcome was given and asked for support.",
    "This is the first time the child has come to police attention.",
    "The child admitted the offence straight away and apologised.",
    "The victim agreed to this outcome and would like an apology.",
    "Police have concerns about who the child is spending time with.",
    "School have been told and are supportive.",
    "The child said they were bored and did not think about the consequences.",
    "Alcohol was involved; the child was with friends in the park.",
    "The family have recently moved to the area.",
)
REASON_BY_SOURCE = {
    "police_cr": ("Community Resolution issued for {offence}.",),
    "police_o22": (
        "Outcome 22 agreed for {offence}: taking part in the service is the condition of the "
        "deferred decision.",
        "Diversionary activity outcome (Outcome 22) for {offence}.",
    ),
    "jdm_panel": (
        "The joint decision-making panel agreed an out-of-court outcome for {offence}, with "
        "support from the service.",
    ),
    "custody_rui": (
        "Released from police custody under investigation after arrest on suspicion of "
        "{offence}. Contact due within 24 hours.",
    ),
    "custody_bail": (
        "Released on bail after arrest on suspicion of {offence}. Contact due within 24 hours.",
    ),
    "custody_nfa": (
        "Arrested on suspicion of {offence}; released with no further action. Family open to "
        "a visit.",
    ),
    "ppn": (
        "Public Protection Notice: police reported the child missing overnight.",
        "Public Protection Notice after a disturbance at the family home.",
        "Public Protection Notice: the child was found with older adults in a flat not known "
        "to the family.",
        "Public Protection Notice raising concern for the child's welfare after a fight in "
        "the park.",
    ),
    "school": (
        "School report falling attendance and two suspensions this term.",
        "School found a knife in the child's bag; the child has been suspended.",
        "School are worried about older young people waiting outside the gates for the child.",
        "School report frequent angry outbursts in lessons and a fight at lunchtime.",
        "The child is on a part-time timetable after a managed move; school ask for support.",
    ),
    "social_care": (
        "Children's social care ask for preventative support alongside the child in need plan.",
        "The social worker is concerned about risk of criminal exploitation after missing "
        "episodes.",
    ),
    "health": (
        "Seen at A&E with a minor stab wound; the hospital youth worker referred with consent.",
        "Seen at A&E after an assault; the hospital navigator referred.",
        "The GP is concerned about cannabis use and low mood.",
    ),
    "parent": (
        "A parent asked for help: the child has started staying out late and the family are "
        "worried about the friends involved.",
        "Self-referral after a talk about knife crime at school.",
        "A carer asked for support after the child was stopped and searched twice this month.",
    ),
    "other": (
        "Referred by the youth centre after a fight at a football session.",
        "Referred by the housing officer after complaints about anti-social behaviour.",
    ),
}
CHILD_VIEW = (
    "I know I messed up and I don't want to end up in trouble again.",
    "I only did it because my mates were doing it.",
    "I get angry really fast and then I can't stop myself.",
    "I want to go to college and do mechanics.",
    "School is boring and the teachers don't listen to me.",
    "My mum is worried about me and I don't like seeing her upset.",
    "I like boxing, it calms me down.",
    "I don't really see the point of this but I'll give it a go.",
    "People think I'm bad but I'm not, I just make stupid choices sometimes.",
    "I didn't think about how the shop owner would feel.",
    "I carry stuff because I don't feel safe walking home.",
    "I want to get my own money, like a proper job.",
    "Things at home are better now my dad's not there.",
    "I smoke weed to chill out, it helps me sleep.",
    "I want to be a football coach one day.",
    "I don't trust the police after what happened to my brother.",
    "I'd rather talk in the car than sit in an office.",
    "My nan is the one who keeps me on track.",
    "I felt bad straight after, I just didn't know how to say sorry.",
    "I want to get back into school properly and do my GCSEs.",
    "Some of the older lot keep asking me to hold things for them.",
    "I just want everyone to stop going on at me.",
    "I'm good with my little brothers, I look after them a lot.",
    "I want to learn to drive and get out of this area.",
)
STRENGTHS = (
    "Close relationship with a grandparent who attends meetings.",
    "Plays football for a local club every weekend.",
    "Creative: writes lyrics and records music with friends.",
    "Caring towards younger siblings.",
    "Honest about what happened and wants to put it right.",
    "Good attendance at college when the course interests them.",
    "Enjoys boxing and has a trusted coach.",
    "Has a part-time job at a family business.",
    "Settled foster placement with carers who advocate for them.",
    "Engages well with a trusted adult at school.",
    "Good sense of humour; builds relationships quickly.",
    "Interested in cooking and has talked about catering courses.",
)
SUMMARY = (
    "Low-level offending linked to peer group; protective family; light-touch work on "
    "consequences and positive activities.",
    "Emotional regulation is the main need; school relationships have broken down.",
    "Concerns about older associates and possible exploitation; safety plan agreed with the "
    "family.",
    "Cannabis use most days and poor sleep; referral to the young people's substance service "
    "discussed.",
    "Speech and language needs suspected; sessions to use visual resources.",
    "Few concerns beyond the offence; child keen to move on; short package agreed.",
    "Persistent absence and a part-time timetable; education is the priority.",
    "Domestic abuse at home in the past; trauma-informed approach needed.",
)
GOALS = (
    "Stay out of trouble until my birthday",
    "Get back to school full time",
    "Find a boxing gym near me",
    "Learn to walk away when I'm wound up",
    "Sort out my CV and apply for college",
    "Say sorry to the person I hurt",
    "Cut down on weed",
    "Spend less time on the estate with the older lot",
    "Get my CSCS card so I can work on building sites",
    "Talk to someone about how I'm feeling",
    "Join the youth club football team",
    "Be home by ten on school nights",
    "Stop carrying anything when I go out",
    "Pass my maths and English",
)
SESSION_NOTES = (
    "Talked through what happened on the day and who else was affected. Engaged well.",
    "Session in the car on the way to the gym; opened up about pressure from older peers.",
    "Worked on spotting early signs of anger using the traffic-light plan.",
    "Victim awareness work; child wrote a letter of apology.",
    "Met at school with the learning mentor; agreed a plan for attendance.",
    "Knife crime session using the first-aid scenario; child asked good questions.",
    "Family session at home; parent and child agreed house rules together.",
    "Looked at college courses online and filled in part of an application.",
    "Child quiet today; short check-in and agreed to meet again next week.",
    "Talked about cannabis use, sleep and money; child agreed to try a week without.",
    "Went to the youth centre taster session; child stayed for the whole evening.",
    "Reviewed progress against the plan; child rated themselves higher on confidence.",
)
REVIEW_NOTES = (
    "Plan reviewed with the child: goals still right; attendance good.",
    "Progress on education goal; added a goal about positive activities.",
    "Missed two sessions; agreed to meet at school instead of home.",
    "Child wants to finish early; agreed two more sessions to close well.",
)
EXIT_PLANS = (
    "Continue at boxing club twice a week; school mentor to check in fortnightly; knows how "
    "to contact the team again.",
    "Starting college in September; careers adviser stays involved.",
    "CAMHS appointment booked; parent will contact the team if worries return.",
    "Youth worker at the local centre will keep in touch; football on Saturdays.",
    "Early Help plan continues; our work on consequences is complete.",
    "Moved out of the area; new area's youth service told with the family's consent.",
)
VICTIM_VIEWS = (
    "Wants an apology and for the damage to be paid for.",
    "Felt frightened walking home afterwards; would like to know the child is getting help.",
    "Happy for the child to do some work to put things right.",
    "Does not want any contact but is glad the matter was dealt with.",
    "Shop manager would welcome a letter of apology.",
    "Would like to meet the child with a facilitator.",
)
SCREENING_NOTES = (
    "Known to Early Help; family open to support.",
    "No previous involvement with services; light-touch offer appropriate.",
    "Open to social care; discussed with the allocated social worker.",
    "Concerns about exploitation raised by police and school; prioritise contact.",
    "Mental health needs appear to be the main issue.",
    "School attendance below 70%; education lead informed.",
)

DECLINE_REASONS = (
    "Does not want to take part",
    "Family feel the outcome already given was enough",
    "Already supported by another service",
    "Too busy with college or work",
    "Parent does not agree to the work",
)
WITHDRAWAL_REASONS = (
    "Child asked to stop the sessions",
    "Family moved and no longer wish to take part",
    "Child started work and has no time",
)
INELIGIBLE_REASONS = (
    "Lives outside the service's area",
    "Already open to the youth justice service on a statutory order",
    "Already receiving support from this programme",
)
LAWFUL_BASIS = "Public task: evaluating the service's outcomes with a comparison group"


def _pick(rng: random.Random, items):
    return items[int(rng.random() * len(items))]


def _some(rng: random.Random, items, low: int, high: int) -> list:
    return rng.sample(items, rng.randint(low, high))


def _reason(rng: random.Random, key: str, offence: str = "an offence") -> str:
    text = _pick(rng, REASON_BY_SOURCE.get(key, REASON_BY_SOURCE["other"])).format(
        offence=offence[:1].lower() + offence[1:]
    )
    if key in {"police_cr", "police_o22", "jdm_panel"}:
        text += " " + _pick(rng, REASON_CONTEXT)
    return text


COMPOSERS = {
    "reason": _reason,
    "child_view": lambda rng, key="": " ".join(_some(rng, CHILD_VIEW, 2, 3)),
    "strengths": lambda rng, key="": " ".join(_some(rng, STRENGTHS, 1, 2)),
    "summary": lambda rng, key="": _pick(rng, SUMMARY),
    "goals": lambda rng, key="": "\n".join("- " + g for g in _some(rng, GOALS, 2, 3)),
    "session": lambda rng, key="": _pick(rng, SESSION_NOTES),
    "review": lambda rng, key="": _pick(rng, REVIEW_NOTES),
    "exit_plan": lambda rng, key="": _pick(rng, EXIT_PLANS),
    "victim_views": lambda rng, key="": _pick(rng, VICTIM_VIEWS),
    "screening": lambda rng, key="": _pick(rng, SCREENING_NOTES),
}
# Kinds left blank at national scale: millions of rows, and notes are optional.
HIGH_VOLUME = {"session", "review", "screening"}
POOL_SIZE = 24


class Narratives:
    """Encrypted narrative text, either composed each time or drawn from a small pool."""

    def __init__(self, *, pooled: bool, seed: int):
        self.pooled = pooled
        self._seed = seed
        self._pools: dict[tuple[str, str], list[str]] = {}
        self._sealed: dict[str, str] = {}

    def seal(self, plain: str) -> str:
        """Ciphertext of a short fixed text (a reason chosen from a list); blank stays blank.

        At national scale each distinct text is encrypted once and reused."""
        if not plain:
            return ""
        if not self.pooled:
            return encrypt_text(plain)
        sealed = self._sealed.get(plain)
        if sealed is None:
            sealed = self._sealed[plain] = encrypt_text(plain)
        return sealed

    def text(self, rng: random.Random, kind: str, key: str = "", **context) -> str:
        """Ciphertext of a narrative of `kind` (and `key`, e.g. the referral source)."""
        if not self.pooled:
            return encrypt_text(COMPOSERS[kind](rng, key=key, **context))
        if kind in HIGH_VOLUME:
            return ""
        pool = self._pools.get((kind, key))
        if pool is None:
            pool_rng = random.Random(f"divert-synth-texts:{self._seed}:{kind}:{key}")
            pool = [encrypt_text(COMPOSERS[kind](pool_rng, key=key)) for _ in range(POOL_SIZE)]
            self._pools[(kind, key)] = pool
        return pool[int(rng.random() * POOL_SIZE)]
