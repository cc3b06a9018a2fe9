from . import test_graph_events
from . import test_graph_tasks
from . import test_resilience
from . import test_relink
from . import test_config
from . import test_ews
from . import test_views
from . import test_tour
