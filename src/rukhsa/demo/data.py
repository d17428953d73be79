# ruff: noqa: E501 - a data table: long lines of Arabic and English names
"""The demo catalogue as plain data: specializations with their domains, and demo places."""

from typing import NamedTuple


class DomainData(NamedTuple):
    name_ar: str
    name_en: str
    questions: int


class SpecializationData(NamedTuple):
    code: str
    name_ar: str
    name_en: str
    paper_group: int  # paper sittings: one fixed date per group of specializations
    domains: tuple[DomainData, ...]


D = DomainData
SPECIALIZATIONS: tuple[SpecializationData, ...] = (
    SpecializationData("mathematics", "الرياضيات", "Mathematics", 1, (
        D("الأعداد والعمليات عليها", "Numbers and operations", 10),
        D("الجبر والدوال", "Algebra and functions", 16),
        D("الهندسة والقياس", "Geometry and measurement", 14),
        D("الإحصاء والاحتمالات", "Statistics and probability", 10),
        D("التفاضل والتكامل", "Calculus", 12),
        D("المعرفة التربوية في تدريس الرياضيات", "Pedagogy of mathematics", 18),
    )),
    SpecializationData("physics", "الفيزياء", "Physics", 1, (
        D("الميكانيكا", "Mechanics", 18),
        D("الكهرباء والمغناطيسية", "Electricity and magnetism", 16),
        D("الموجات والضوء", "Waves and optics", 12),
        D("الفيزياء الحديثة", "Modern physics", 12),
        D("المعرفة التربوية في تدريس الفيزياء", "Pedagogy of physics", 14),
    )),
    SpecializationData("chemistry", "الكيمياء", "Chemistry", 1, (
        D("الكيمياء العامة", "General chemistry", 18),
        D("الكيمياء العضوية", "Organic chemistry", 16),
        D("الكيمياء الفيزيائية", "Physical chemistry", 12),
        D("الكيمياء التحليلية", "Analytical chemistry", 10),
        D("المعرفة التربوية في تدريس الكيمياء", "Pedagogy of chemistry", 14),
    )),
    SpecializationData("biology", "الأحياء", "Biology", 1, (
        D("الخلية والوراثة", "Cells and genetics", 18),
        D("علم الحيوان", "Zoology", 14),
        D("علم النبات", "Botany", 12),
        D("البيئة والتطور", "Ecology and evolution", 10),
        D("المعرفة التربوية في تدريس الأحياء", "Pedagogy of biology", 14),
    )),
    SpecializationData("arabic", "اللغة العربية", "Arabic language", 2, (
        D("النحو والصرف", "Grammar and morphology", 20),
        D("الأدب والنصوص", "Literature and texts", 14),
        D("البلاغة والنقد", "Rhetoric and criticism", 12),
        D("المهارات اللغوية", "Language skills", 12),
        D("المعرفة التربوية في تدريس اللغة العربية", "Pedagogy of Arabic", 14),
    )),
    SpecializationData("english", "اللغة الإنجليزية", "English language", 2, (
        D("القواعد والتراكيب", "Grammar and structure", 16),
        D("القراءة والمفردات", "Reading and vocabulary", 16),
        D("علم اللغة", "Linguistics", 12),
        D("الأدب", "Literature", 10),
        D("طرائق تدريس اللغة الإنجليزية", "English language teaching methods", 18),
    )),
    SpecializationData("islamic", "التربية الإسلامية", "Islamic education", 2, (
        D("القرآن الكريم وعلومه", "The Holy Quran and its sciences", 16),
        D("الحديث وعلومه", "Hadith and its sciences", 14),
        D("العقيدة", "Creed", 14),
        D("الفقه وأصوله", "Jurisprudence and its principles", 16),
        D("المعرفة التربوية في تدريس التربية الإسلامية", "Pedagogy of Islamic education", 12),
    )),
    SpecializationData("social-studies", "الدراسات الاجتماعية", "Social studies", 2, (
        D("التاريخ", "History", 18),
        D("الجغرافيا", "Geography", 18),
        D("المواطنة والتربية الوطنية", "Citizenship and national education", 12),
        D("المعرفة التربوية في تدريس الدراسات الاجتماعية", "Pedagogy of social studies", 14),
    )),
    SpecializationData("computer-science", "الحاسب الآلي", "Computer science", 1, (
        D("البرمجة والخوارزميات", "Programming and algorithms", 18),
        D("قواعد البيانات", "Databases", 12),
        D("الشبكات وأمن المعلومات", "Networks and information security", 14),
        D("مكونات الحاسب ونظم التشغيل", "Computer hardware and operating systems", 10),
        D("المعرفة التربوية في تدريس الحاسب", "Pedagogy of computer science", 12),
    )),
    SpecializationData("early-childhood", "رياض الأطفال", "Early childhood", 2, (
        D("نمو الطفل وتطوره", "Child growth and development", 18),
        D("مناهج الطفولة المبكرة", "Early childhood curricula", 16),
        D("بيئة التعلم واللعب", "Learning environment and play", 12),
        D("التقويم في الطفولة المبكرة", "Assessment in early childhood", 10),
    )),
    SpecializationData("special-ed-ld", "التربية الخاصة - صعوبات التعلم", "Special education – learning disabilities", 2, (
        D("خصائص ذوي صعوبات التعلم", "Characteristics of learning disabilities", 16),
        D("التشخيص والتقييم", "Diagnosis and assessment", 14),
        D("الاستراتيجيات والبرامج العلاجية", "Intervention strategies and programmes", 18),
        D("الخطة التربوية الفردية", "The individual education plan", 12),
    )),
    SpecializationData("physical-education", "التربية البدنية", "Physical education", 2, (
        D("علوم الحركة والتدريب الرياضي", "Movement science and training", 16),
        D("فسيولوجيا الجهد البدني", "Exercise physiology", 12),
        D("الألعاب والرياضات", "Games and sports", 14),
        D("الصحة واللياقة", "Health and fitness", 10),
        D("المعرفة التربوية في تدريس التربية البدنية", "Pedagogy of physical education", 12),
    )),
    SpecializationData("science", "العلوم", "Science", 1, (
        D("العلوم الفيزيائية", "Physical science", 16),
        D("علوم الحياة", "Life science", 16),
        D("علوم الأرض والفضاء", "Earth and space science", 12),
        D("المعرفة التربوية في تدريس العلوم", "Pedagogy of science", 14),
    )),
    SpecializationData("art-education", "التربية الفنية", "Art education", 2, (
        D("الرسم والتصوير", "Drawing and painting", 14),
        D("التصميم والأشغال الفنية", "Design and crafts", 14),
        D("تاريخ الفن والتذوق الفني", "Art history and appreciation", 12),
        D("المعرفة التربوية في تدريس التربية الفنية", "Pedagogy of art", 12),
    )),
)  # fmt: skip


class District(NamedTuple):
    name_ar: str
    name_en: str
    street_ar: str
    street_en: str
    dlat: float  # offset from the city's centre, degrees
    dlon: float


class DemoCity(NamedTuple):
    code: str  # a city code from rukhsa.core.geo
    lat: float
    lon: float
    districts: tuple[
        District, District, District, District
    ]  # paper men, paper women, digital men, digital women


def _d(ar: str, en: str, street_ar: str, street_en: str, dlat: float, dlon: float) -> District:
    return District(ar, en, street_ar, street_en, dlat, dlon)


CITIES: tuple[DemoCity, ...] = (
    DemoCity("riyadh", 24.7136, 46.6753, (
        _d("الملز", "Al Malaz", "شارع الأحساء", "Al Ahsa Street", -0.0280, 0.0470),
        _d("العليا", "Al Olaya", "طريق الملك فهد", "King Fahd Road", 0.0020, -0.0030),
        _d("الياسمين", "Al Yasmin", "طريق أنس بن مالك", "Anas Ibn Malik Road", 0.1130, -0.0390),
        _d("النخيل", "An Nakheel", "طريق الإمام سعود بن فيصل", "Imam Saud Ibn Faisal Road", 0.0360, -0.0410),
    )),
    DemoCity("jeddah", 21.5433, 39.1728, (
        _d("الروضة", "Ar Rawdah", "شارع الأمير سلطان", "Prince Sultan Street", 0.0190, -0.0060),
        _d("الصفا", "As Safa", "شارع الأمير متعب", "Prince Mitab Street", 0.0380, 0.0420),
        _d("الحمراء", "Al Hamra", "طريق الكورنيش", "Corniche Road", -0.0080, -0.0360),
        _d("النعيم", "An Naim", "شارع حراء", "Hira Street", 0.0520, -0.0090),
    )),
    DemoCity("makkah", 21.3891, 39.8579, (
        _d("العزيزية", "Al Aziziyah", "الطريق الدائري الثالث", "Third Ring Road", -0.0210, 0.0260),
        _d("الزاهر", "Az Zahir", "شارع الحج", "Al Hajj Street", 0.0150, -0.0180),
        _d("الشوقية", "Ash Shawqiyah", "شارع الشوقية العام", "Ash Shawqiyah Main Street", -0.0330, -0.0410),
        _d("العوالي", "Al Awali", "طريق العوالي", "Al Awali Road", -0.0450, 0.0330),
    )),
    DemoCity("madinah", 24.5247, 39.5692, (
        _d("قباء", "Quba", "طريق قباء", "Quba Road", -0.0330, -0.0080),
        _d("العزيزية", "Al Aziziyah", "طريق الملك عبدالله", "King Abdullah Road", 0.0250, 0.0290),
        _d("العيون", "Al Uyun", "طريق الجامعات", "Universities Road", 0.0480, -0.0210),
        _d("الحرة الشرقية", "Al Harrah Ash Sharqiyah", "شارع الأمير نايف", "Prince Nayef Street", 0.0090, 0.0450),
    )),
    DemoCity("dammam", 26.4207, 50.0888, (
        _d("الفيصلية", "Al Faisaliyah", "شارع الأمير محمد بن فهد", "Prince Mohammed Ibn Fahd Street", -0.0170, -0.0310),
        _d("الشاطئ", "Ash Shati", "طريق الخليج", "Gulf Road", 0.0320, 0.0180),
        _d("الريان", "Ar Rayyan", "شارع الملك سعود", "King Saud Street", -0.0060, 0.0090),
        _d("الفيحاء", "Al Faiha", "شارع أحد", "Uhud Street", -0.0280, 0.0150),
    )),
    DemoCity("buraydah", 26.3260, 43.9750, (
        _d("الريان", "Ar Rayyan", "طريق الملك عبدالعزيز", "King Abdulaziz Road", 0.0150, -0.0220),
        _d("الإسكان", "Al Iskan", "شارع عمر بن الخطاب", "Umar Ibn Al Khattab Street", -0.0190, 0.0280),
        _d("الصفراء", "As Safra", "طريق الملك فهد", "King Fahd Road", 0.0270, 0.0110),
        _d("النهضة", "An Nahdah", "شارع الخبيب", "Al Khubaib Street", -0.0080, -0.0340),
    )),
    DemoCity("abha", 18.2164, 42.5053, (
        _d("المنسك", "Al Mansak", "طريق الملك فيصل", "King Faisal Road", 0.0110, -0.0090),
        _d("الخالدية", "Al Khalidiyah", "شارع الفن", "Al Fan Street", -0.0150, 0.0120),
        _d("الموظفين", "Al Muwazzafin", "طريق الحزام", "Al Hizam Road", 0.0200, 0.0180),
        _d("السد", "As Sadd", "طريق السد", "As Sadd Road", -0.0230, -0.0160),
    )),
    DemoCity("tabuk", 28.3838, 36.5550, (
        _d("المروج", "Al Muruj", "طريق الأمير فهد بن سلطان", "Prince Fahd Ibn Sultan Road", 0.0190, 0.0210),
        _d("الفيصلية", "Al Faisaliyah", "شارع الأمير سلطان", "Prince Sultan Street", -0.0140, -0.0170),
        _d("السليمانية", "As Sulaymaniyah", "طريق الملك خالد", "King Khalid Road", 0.0260, -0.0120),
        _d("الريان", "Ar Rayyan", "شارع المدينة", "Al Madinah Street", -0.0210, 0.0240),
    )),
    DemoCity("hail", 27.5114, 41.7208, (
        _d("السمراء", "As Samra", "طريق الملك عبدالعزيز", "King Abdulaziz Road", 0.0170, -0.0110),
        _d("المنتزه", "Al Muntazah", "شارع الأمير سعود بن عبدالمحسن", "Prince Saud Ibn Abdulmohsen Street", -0.0130, 0.0190),
        _d("النقرة", "An Nuqrah", "طريق المطار", "Airport Road", 0.0250, 0.0220),
        _d("الخزامى", "Al Khuzama", "شارع الجامعة", "University Street", -0.0220, -0.0170),
    )),
    DemoCity("jazan", 16.8892, 42.5511, (
        _d("الشاطئ", "Ash Shati", "طريق الكورنيش", "Corniche Road", 0.0120, -0.0230),
        _d("الصفا", "As Safa", "شارع الملك فهد", "King Fahd Street", -0.0100, 0.0150),
        _d("الروضة", "Ar Rawdah", "طريق الأمير سلطان", "Prince Sultan Road", 0.0220, 0.0110),
        _d("السويس", "As Suways", "شارع الملك عبدالعزيز", "King Abdulaziz Street", -0.0190, -0.0080),
    )),
)  # fmt: skip

ACCESSIBILITY_AR = "مدخل بمستوى الأرض، ومصعد، ودورة مياه مهيأة، ومواقف مخصصة لذوي الإعاقة."
ACCESSIBILITY_EN = "Step-free entrance, lift, accessible toilet and reserved parking."
