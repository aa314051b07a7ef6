"""Word lists for synthetic people and places: invented, never real children or staff.

First names and surnames are common names mixed at random, so no combination describes a
real person; they reflect the mix of a diverse English city. Place names are made from
parts, and area codes use ranges the ONS does not issue (E06900xxx, E05900xxx).
"""

from __future__ import annotations


def words(text: str) -> list[str]:
    """The words of a space-separated list (easier to read and edit than a list literal)."""
    return text.split()


BRITISH_MALE = words(
    "Jack Harry Charlie Oliver George Alfie Jacob Thomas Joshua Riley Kai Tyler Callum Connor "
    "Lewis Mason Liam Kyle Ethan Jordan Reece Bradley Dylan Luke Ryan Owen Archie Leo Finley "
    "Harvey Logan Brandon Jake Corey Ben Sam Max Toby Louie Frankie Jayden Aiden Cameron Declan "
    "Rhys Morgan Billy Alex Jamie Kieran Nathan Elliot Theo"
)
BRITISH_FEMALE = words(
    "Olivia Amelia Isla Ava Emily Jessica Chloe Lily Ellie Grace Sophie Holly Megan Leah "
    "Courtney Paige Jade Keira Lacey Millie Evie Poppy Macey Abbie Niamh Shannon Tia Demi Kayla "
    "Summer Skye Ruby Freya Hannah Lauren Bethany Casey Morgan"
)
SOUTH_ASIAN_MALE = words(
    "Aarav Arjun Rohan Dev Kiran Jaspreet Harpreet Gurpreet Ravi Sanjay Vikram Sahil Nikhil "
    "Jay Rahul Krish Aryan Yash Manpreet Rajveer"
)
SOUTH_ASIAN_FEMALE = words(
    "Priya Anjali Simran Nisha Kavya Riya Jasleen Harleen Pooja Meera Diya Sonia Tanvi Ishani"
)
MUSLIM_MALE = words(
    "Mohammed Muhammad Ali Hamza Bilal Zain Ayaan Imran Usman Haris Faisal Rayan Ibrahim Yusuf "
    "Adnan Tanvir Rakib Shahid Arif Idris Zakariya Musa Hasan"
)
MUSLIM_FEMALE = words(
    "Aisha Ayesha Fatima Zara Maryam Amira Hafsa Noor Sana Mehreen Sadia Tasnim Nusrat Inaya "
    "Safa Halima Zainab Khadija"
)
AFRICAN_MALE = words(
    "Tobi Kwame Kofi David Samuel Daniel Emmanuel Chinedu Tunde Femi Ayo Abdi Mohamed Yonas "
    "Tendai Joshua Kelechi Obinna Nathan Elijah"
)
AFRICAN_FEMALE = words(
    "Amara Chiamaka Ngozi Adaeze Blessing Grace Esther Favour Funmi Hodan Sagal Yasmin Ruth "
    "Precious Abena Efua Deborah"
)
CARIBBEAN_MALE = words(
    "Jermaine Tyrese Marcus Nathaniel Andre Dwayne Leon Malik Jaden Reuben Isaiah Kemar Darnell "
    "Jerome Tyreece Kaiden"
)
CARIBBEAN_FEMALE = words(
    "Shanice Tanisha Keisha Jada Aaliyah Monique Chantelle Imani Kiana Tiana Jasmine Nia"
)
EAST_EUROPEAN_MALE = words(
    "Jakub Kacper Filip Mateusz Szymon Dawid Bartosz Andrei Luca Darius Marius Tomas Lukas "
    "Vlad Adrian Oskar"
)
EAST_EUROPEAN_FEMALE = words(
    "Zuzanna Julia Wiktoria Natalia Alicja Maja Oliwia Ioana Andreea Elena Gabriela Karolina"
)
ARAB_MALE = words("Omar Ahmed Khalid Youssef Karim Tariq Hassan Sami Adam Nasser")
ARAB_FEMALE = words("Layla Huda Mariam Rania Salma Nour Lina Dana")
CHINESE_MALE = words("Wei Jun Hao Ethan Kevin Jason Ryan Leo")
CHINESE_FEMALE = words("Mei Lin Xin Chloe Grace Jasmine Ivy")
IRISH_MALE = words("Patrick Sean Michael John Martin Paddy Johnny Tommy Francis")
IRISH_FEMALE = words("Bridget Mary Kathleen Siobhan Roisin Margaret Nora")
ROMA_MALE = words("Marian Roman Dominik Robert Denis Patrik")
ROMA_FEMALE = words("Denisa Nikola Monika Vanesa Klaudia")

BRITISH_SURNAMES = words(
    "Smith Jones Taylor Brown Wilson Evans Thomas Johnson Roberts Walker Wright Robinson "
    "Thompson White Hughes Edwards Green Hall Wood Harris Clarke Jackson Turner Hill Moore "
    "Cooper Ward Morris King Watson Baker Harrison Morgan Allen Mitchell Kelly Bennett Cox "
    "Marshall Chapman Shaw Mason Hunt Holmes Bailey Pearson Lloyd Webb Barker Spencer Atkinson "
    "Foster Parry Dixon Booth Fletcher Lowe Gibson Pickering Riley Hewitt Simpson Knight"
)
INDIAN_SURNAMES = words(
    "Patel Shah Mistry Chauhan Parmar Solanki Lad Modi Kaur Singh Sandhu Gill Bains Dhillon "
    "Sharma Joshi Pandya Desai Mehta Naik Chahal Sidhu"
)
MUSLIM_SURNAMES = words(
    "Khan Hussain Ahmed Ali Iqbal Akhtar Rahman Miah Uddin Chowdhury Islam Hassan Mahmood "
    "Rashid Butt Malik Qureshi Aslam Javed"
)
AFRICAN_SURNAMES = words(
    "Okafor Adeyemi Mensah Owusu Boateng Okonkwo Abiodun Nwosu Osei Asante Mohamed Abdi "
    "Tesfaye Moyo Ndlovu Kamara Bangura Adebayo Eze Warsame"
)
CARIBBEAN_SURNAMES = words(
    "Campbell Williams Clarke Francis Grant Henry Reid Stewart Morgan Bailey Lewis Richards "
    "Edwards Robinson Gordon Powell Bryan"
)
EAST_EUROPEAN_SURNAMES = words(
    "Nowak Kowalski Wiśniewski Wójcik Kamiński Lewandowski Zieliński Popescu Ionescu Stan "
    "Kazlauskas Petrov Horvat Novak Dvořák Mazur"
)
ARAB_SURNAMES = words("Al-Sayed Haddad Mansour Nasser Khalil Saleh Aziz Farouk Hamdan")
CHINESE_SURNAMES = words("Chen Wang Li Zhang Liu Wong Chan Lam Ng Cheung")
IRISH_SURNAMES = words("Murphy O'Brien Kelly Doyle Byrne Ward McDonagh Connors O'Reilly Quinn")
ROMA_SURNAMES = words("Balogh Lakatos Rostas Mirga Kovac Oláh")

# Name pools by background: (male first names, female first names, surnames).
NAME_POOLS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "british": (BRITISH_MALE, BRITISH_FEMALE, BRITISH_SURNAMES),
    "indian": (SOUTH_ASIAN_MALE, SOUTH_ASIAN_FEMALE, INDIAN_SURNAMES),
    "muslim": (MUSLIM_MALE, MUSLIM_FEMALE, MUSLIM_SURNAMES),
    "african": (AFRICAN_MALE, AFRICAN_FEMALE, AFRICAN_SURNAMES),
    "caribbean": (CARIBBEAN_MALE, CARIBBEAN_FEMALE, CARIBBEAN_SURNAMES),
    "east_european": (EAST_EUROPEAN_MALE, EAST_EUROPEAN_FEMALE, EAST_EUROPEAN_SURNAMES),
    "arab": (ARAB_MALE, ARAB_FEMALE, ARAB_SURNAMES),
    "chinese": (CHINESE_MALE, CHINESE_FEMALE, CHINESE_SURNAMES),
    "irish": (IRISH_MALE, IRISH_FEMALE, IRISH_SURNAMES),
    "roma": (ROMA_MALE, ROMA_FEMALE, ROMA_SURNAMES),
}

# Which pools a child of each ONS ethnicity draws first names and surnames from.
# Mixed backgrounds take first names from one pool and surnames from another.
NAMES_FOR_ETHNICITY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "WBRI": (("british",), ("british",)),
    "WIRI": (("irish", "british"), ("irish",)),
    "WIRT": (("irish",), ("irish",)),
    "WROM": (("roma",), ("roma",)),
    "WOTH": (("east_european",), ("east_european",)),
    "MWBC": (("caribbean", "british"), ("british", "caribbean")),
    "MWBA": (("african", "british"), ("british", "african")),
    "MWAS": (("british", "indian", "muslim"), ("british",)),
    "MOTH": (("british", "caribbean", "arab"), ("british",)),
    "AIND": (("indian",), ("indian",)),
    "APKN": (("muslim",), ("muslim",)),
    "ABAN": (("muslim",), ("muslim",)),
    "ACHN": (("chinese",), ("chinese",)),
    "AOTH": (("indian", "muslim"), ("indian", "muslim")),
    "BAFR": (("african",), ("african",)),
    "BCRB": (("caribbean", "british"), ("caribbean",)),
    "BOTH": (("african", "caribbean"), ("african", "caribbean")),
    "OARA": (("arab",), ("arab",)),
    "OOTH": (("arab", "british", "east_european"), ("arab", "british")),
    "REFU": (("british", "muslim", "african"), ("british", "muslim")),
    "NOBT": (("british", "east_european", "african"), ("british",)),
}

STAFF_FIRST = words(
    "Amara Ben Chloe Daniel Ewa Farhan Gemma Hassan Imogen Jas Kelly Leon Maya Nadia Owen Priya "
    "Rachel Sunil Tariq Uma Vicky Wes Yasmin Zoe Aled Bryony Claire Darren Femi Grace Hamid "
    "Joanne Kamal Lucy Marcus Nia Paul Ruth Sadia Tom"
)
STAFF_LAST = words(
    "Adeyemi Bhatt Carter Doherty Ellis Fernandes Greaves Hussain Iqbal Jenkins Kaur Lawson "
    "Mensah Nolan Okoro Parekh Quinn Rahman Sutton Thakkar Underwood Vaughan Whitaker Yates "
    "Ashworth Brennan Chowdhury Dunn Ekwueme Fisher"
)

PLACE_PREFIXES = words(
    "Ash Black Brack Bram Brook Cal Castle Clay Cold Cross Deep Elm Fair Fern Glen Green Hal "
    "Hart Hay High Hol Kings Lang Lark Lin Long Mar Mid Mill North Oak Pen Queens Red Rother "
    "Salt Shep South Stan Thorn Wal West Whit Wind Wood Wyn Ald Bar Bex Cher"
)
PLACE_SUFFIXES = words(
    "bridge bury by caster cliffe combe dale den don field ford gate ham hampton hurst ley mere "
    "minster moor port stead stoke ton well wick worth"
)
REGION_NAMES = words(
    "Northvale Eastmarch Westwold Southdown Midshire Riverlands Ashmoor Fenland Highpeak "
    "Greater Brackley Coastway Vale Forestside Marchland Downland Moorland Tidewater "
    "Heartland Borderland Lakeside Wealden"
)
SCHOOL_FORMS = (
    "{area} Academy",
    "{area} High School",
    "St {saint}'s Catholic Academy",
    "{tree} Park School",
    "{area} Community College",
    "{tree}field School",
    "{area} Church of England Academy",
    "{area} Pupil Referral Unit",
    "{area} College",
    "{tree} Hill Academy",
    "The {area} School",
)
SAINTS = words("Aidan Bede Chad Hilda Columba Cuthbert Oswald Wilfrid")
TREES = words("Oak Ash Elm Birch Rowan Hazel Willow Holly Beech Alder")
